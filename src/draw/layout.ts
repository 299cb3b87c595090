/**
 * A layered (Sugiyama-style) layout of a DAG, top to bottom:
 *
 * 1. ranks: a node's rank is 1 + the largest rank of its predecessors (sources at 0);
 * 2. long edges: an edge from rank a to rank b > a + 1 passes through one dummy per rank between;
 *    the edges of one (source, blob) share their dummies, so a blob read far below (a label, a
 *    skip connection) is one line that branches where its readers are;
 * 3. order within each rank: barycentre sweeps, down (by predecessors) and up (by successors),
 *    keeping the order with the fewest crossings between adjacent ranks;
 * 4. x: each node is pulled towards the mean x of its neighbours, then the rank is packed twice
 *    (from the left and from the right, each keeping `gap` between boxes in order) and the two
 *    packings are averaged, which keeps both constraints; rows are `rankGap` apart.
 * Boxes of one rank never overlap (the packing), and ranks do not share rows, so no two boxes
 * overlap. Browser-safe.
 */
export interface LayoutInput {
  nodes: { id: string; width: number; height: number }[];
  /** Edges by node id; `group` joins edges that may share their dummies (e.g. `<from>/<blob>`). */
  edges: { from: string; to: string; group: string }[];
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Layout {
  width: number;
  height: number;
  /** Top-left corner and size of each node, by id. */
  boxes: Map<string, Box>;
  /**
   * One polyline per edge, in the order given: the source's bottom (the centre, or with n groups
   * leaving the source, the k-th of n points spread evenly along it), dummies, the target's top.
   */
  paths: [number, number][][];
  /** The rank of each node. */
  ranks: Map<string, number>;
}

interface Item { id: string; width: number; height: number; dummy: boolean; preds: Item[]; succs: Item[]; x: number; pos: number }

export function layeredLayout(input: LayoutInput, opts: { gap?: number; rankGap?: number; margin?: number; dummyWidth?: number } = {}): Layout {
  const { gap = 16, rankGap = 46, margin = 20, dummyWidth = 8 } = opts;
  const items = new Map<string, Item>(input.nodes.map((n) => [n.id, { ...n, dummy: false, preds: [], succs: [], x: 0, pos: 0 }]));
  const rank = ranksOf(input, items);
  const rows: Item[][] = [];
  const add = (it: Item, r: number) => (rows[r] ??= []).push(it);
  for (const it of items.values()) add(it, rank.get(it.id)!);
  // Long edges through shared dummies: chain[group][r] is the group's dummy at rank r.
  const chains = new Map<string, Item[]>();
  const routes = input.edges.map((e) => {
    const a = items.get(e.from)!;
    const b = items.get(e.to)!;
    const ra = rank.get(e.from)!;
    const rb = rank.get(e.to)!;
    const chain = chains.get(e.group) ?? [];
    chains.set(e.group, chain);
    const route = [a];
    for (let r = ra + 1; r < rb; r++) {
      if (!chain[r]) {
        chain[r] = { id: `${e.group}#${r}`, width: dummyWidth, height: 0, dummy: true, preds: [], succs: [], x: 0, pos: 0 };
        add(chain[r], r);
      }
      route.push(chain[r]);
    }
    route.push(b);
    for (let i = 1; i < route.length; i++) link(route[i - 1], route[i]);
    return route;
  });
  orderRows(rows);
  placeX(rows, gap);
  const left = Math.min(...rows.flat().map((it) => it.x - it.width / 2));
  for (const it of rows.flat()) it.x += margin - left;
  const rowHeight = rows.map((row) => Math.max(0, ...row.map((it) => it.height)));
  const top: number[] = [];
  rows.forEach((_, r) => { top[r] = r === 0 ? margin : top[r - 1] + rowHeight[r - 1] + rankGap; });
  const boxes = new Map<string, Box>();
  for (const it of items.values()) boxes.set(it.id, { x: it.x - it.width / 2, y: top[rank.get(it.id)!], width: it.width, height: it.height });
  // A node's groups (its blobs) leave from points spread along its bottom, in order of first use.
  const ports = new Map<string, string[]>();
  for (const e of input.edges) {
    const list = ports.get(e.from) ?? [];
    if (!list.includes(e.group)) list.push(e.group);
    ports.set(e.from, list);
  }
  const paths = routes.map((route, k) => route.flatMap((it, i): [number, number][] => {
    if (i === 0) {
      const list = ports.get(it.id)!;
      const b = boxes.get(it.id)!;
      return [[b.x + (b.width * (list.indexOf(input.edges[k].group) + 1)) / (list.length + 1), b.y + it.height]];
    }
    if (i === route.length - 1) return [[it.x, boxes.get(it.id)!.y]];
    const r = rank.get(route[0].id)! + i;
    return [[it.x, top[r]], [it.x, top[r] + rowHeight[r]]];
  }));
  const width = Math.max(...rows.flat().map((it) => it.x + it.width / 2)) + margin;
  return { width, height: top[rows.length - 1] + rowHeight[rows.length - 1] + margin, boxes, paths, ranks: rank };
}

function link(a: Item, b: Item): void {
  if (!a.succs.includes(b)) a.succs.push(b);
  if (!b.preds.includes(a)) b.preds.push(a);
}

/** Longest-path ranks (Kahn's order); a cycle is an Error naming a node on it. */
function ranksOf(input: LayoutInput, items: Map<string, Item>): Map<string, number> {
  const preds = new Map<string, string[]>([...items.keys()].map((id) => [id, []]));
  for (const e of input.edges) preds.get(e.to)!.push(e.from);
  const rank = new Map<string, number>();
  let left = [...items.keys()];
  while (left.length) {
    const ready = left.filter((id) => preds.get(id)!.every((p) => rank.has(p)));
    if (!ready.length) throw new Error(`draw: the graph has a cycle through "${left[0]}"`);
    for (const id of ready) rank.set(id, Math.max(-1, ...preds.get(id)!.map((p) => rank.get(p)!)) + 1);
    left = left.filter((id) => !rank.has(id));
  }
  return rank;
}

/** The neighbours a node is placed by: its real ones when it has any, so that a long edge (a label read far below) does not pull a node away from its branch. */
function near(ns: Item[]): Item[] {
  const real = ns.filter((n) => !n.dummy);
  return real.length ? real : ns;
}

function crossings(rows: Item[][]): number {
  let n = 0;
  for (const row of rows) {
    const ends = row.flatMap((a) => a.succs.map((b) => [a.pos, b.pos]));
    for (let i = 0; i < ends.length; i++) for (let j = i + 1; j < ends.length; j++) if ((ends[i][0] - ends[j][0]) * (ends[i][1] - ends[j][1]) < 0) n++;
  }
  return n;
}

function orderRows(rows: Item[][]): void {
  const number = () => rows.forEach((row) => row.forEach((it, i) => { it.pos = i; }));
  number();
  let best = rows.map((row) => [...row]);
  let fewest = crossings(rows);
  const bary = (it: Item, all: Item[]) => {
    const ns = near(all);
    return ns.length ? ns.reduce((s, n) => s + n.pos, 0) / ns.length : it.pos;
  };
  for (let sweep = 0; sweep < 24 && fewest > 0; sweep++) {
    const down = sweep % 2 === 0;
    const order = down ? rows.map((_, r) => r).slice(1) : rows.map((_, r) => r).reverse().slice(1);
    for (const r of order) {
      const key = new Map(rows[r].map((it) => [it, bary(it, down ? it.preds : it.succs)]));
      rows[r].sort((a, b) => key.get(a)! - key.get(b)! || a.pos - b.pos);
      rows[r].forEach((it, i) => { it.pos = i; });
    }
    const c = crossings(rows);
    if (c < fewest) { fewest = c; best = rows.map((row) => [...row]); }
  }
  rows.forEach((row, r) => { row.splice(0, row.length, ...best[r]); });
  number();
}

/** x by neighbour means and two-sided packing (see the module comment). */
function placeX(rows: Item[][], gap: number): void {
  const sep = (a: Item, b: Item) => (a.width + b.width) / 2 + (a.dummy && b.dummy ? gap / 2 : gap);
  for (const row of rows) row.forEach((it, i) => { it.x = i === 0 ? 0 : row[i - 1].x + sep(row[i - 1], it); });
  const mean = (all: Item[], it: Item) => {
    const ns = near(all);
    return ns.length ? ns.reduce((s, n) => s + n.x, 0) / ns.length : it.x;
  };
  for (let pass = 0; pass < 16; pass++) {
    const down = pass % 2 === 0;
    for (const row of down ? rows : [...rows].reverse()) {
      const want = row.map((it) => mean(down ? it.preds : it.succs, it));
      const fromLeft = want.map((w) => w);
      for (let i = 1; i < row.length; i++) fromLeft[i] = Math.max(want[i], fromLeft[i - 1] + sep(row[i - 1], row[i]));
      const fromRight = want.map((w) => w);
      for (let i = row.length - 2; i >= 0; i--) fromRight[i] = Math.min(want[i], fromRight[i + 1] - sep(row[i], row[i + 1]));
      row.forEach((it, i) => { it.x = (fromLeft[i] + fromRight[i]) / 2; });
    }
  }
}
