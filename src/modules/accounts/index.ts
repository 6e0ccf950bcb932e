export { AccountsService } from "./service.ts";
export { citizenOnly, currentCitizen, type CitizenContext } from "./auth.ts";
export { type Account } from "./service.ts";
