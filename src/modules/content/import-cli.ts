export async function importCommand(_args: string[]): Promise<number> {
  console.error("import: not implemented yet");
  return 1;
}
