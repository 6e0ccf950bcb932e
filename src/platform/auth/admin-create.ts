export async function adminCreateCommand(_args: string[]): Promise<number> {
  console.error("admin:create: not implemented yet");
  return 1;
}
