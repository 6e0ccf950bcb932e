/**
 * CSV cells for spreadsheets (RFC 4180 quoting). A cell starting with = + - @ or a tab/CR is a
 * formula to Excel and WPS (`=cmd|' /C calc'!A0`): it gets a leading apostrophe, so it stays text
 * (OWASP "CSV injection").
 */
export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n']/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvLine(cells: unknown[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/** The UTF-8 byte-order mark: Excel opens a UTF-8 CSV with Chinese text correctly only with it. */
export const UTF8_BOM = "\uFEFF";
