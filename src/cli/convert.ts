/** `cortado convert`: data sets to HDF5 files plus a list file. */
export async function convertCommand(_args: string[]): Promise<number> {
  throw new Error('cortado convert is not available yet');
}
