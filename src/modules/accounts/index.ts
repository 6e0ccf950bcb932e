export { AccountsService } from "./service.ts";
export { citizenOnly, currentCitizen, requireCitizen, type CitizenContext } from "./auth.ts";
export { type Account } from "./service.ts";
