/** The password of every demo account (README lists them). Operators enrol a TOTP second factor at first login. */
export const DEMO_PASSWORD = "Chuyun@2026";
