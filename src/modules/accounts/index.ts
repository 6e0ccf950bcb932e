export { AccountsService } from "./service.ts";
export { CITIZEN_COOKIE, citizenOnly, currentCitizen, type CitizenContext } from "./auth.ts";
export { type Account } from "./service.ts";
