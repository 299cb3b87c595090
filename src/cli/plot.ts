/** `cortado plot`: learning curves from a statistics file. */
export async function plotCommand(_args: string[]): Promise<number> {
  throw new Error('cortado plot is not available yet');
}
