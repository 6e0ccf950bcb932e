export { AccountsService } from "./service.ts";
export { currentCitizen, requireCitizen, verifyCsrfToken } from "./auth.ts";
export { type Account } from "./service.ts";
