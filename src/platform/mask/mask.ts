/** Desensitising personal data for display: shown in full only to roles allowed to see it. */

export function maskIdNumber(id: string): string {
  if (id.length < 8) return "*".repeat(id.length);
  return id.slice(0, 6) + "*".repeat(id.length - 10) + id.slice(-4);
}

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  if (digits.length !== 11) return phone.length > 4 ? "*".repeat(phone.length - 4) + phone.slice(-4) : "****";
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return "*";
  if (chars.length === 2) return chars[0] + "*";
  return chars[0] + "*".repeat(chars.length - 2) + chars[chars.length - 1];
}

export function maskEmail(email: string): string {
  const [user, domain] = email.split("@");
  if (!domain) return maskName(email);
  return `${user.slice(0, 1)}***@${domain}`;
}

/** Masks ID numbers and mobile phone numbers found inside free text. */
export function maskInText(text: string): string {
  return text
    .replace(
      /(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)/g,
      (_m, a: string, _b: string, c: string) => `${a}********${c}`,
    )
    .replace(/(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)/g, "$1****$3");
}
