/** The parameter words of one kernel launch: u32 and f32 values packed in order (at most 64). */
export class Params {
  private readonly w = new Uint32Array(64);
  private readonly fl = new Float32Array(this.w.buffer);
  private n = 0;

  /** An unsigned integer word. */
  u(v: number): this {
    this.w[this.n++] = v;
    return this;
  }

  /** A float word (rounded to float32). */
  f(v: number): this {
    this.fl[this.n++] = v;
    return this;
  }

  /** The words written so far. */
  words(): Uint32Array {
    return this.w.slice(0, this.n);
  }
}
