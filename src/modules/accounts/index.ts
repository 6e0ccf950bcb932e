export { AccountsService } from "./service.ts";
export { currentCitizen, requireCitizen } from "./auth.ts";
export { type Account } from "./service.ts";
