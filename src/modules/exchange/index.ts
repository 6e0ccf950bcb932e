export { ExchangeService, type Member, type Purpose } from "./service.ts";
export { seedExchange, DEMO_CONSUMER_FILE, type DemoCredentials } from "./seed.ts";
export { signedQuery, type MemberCredentials, type SignedCall } from "./client.ts";
export type { Resource } from "./catalogue.ts";
export { HallGateway, HALL_MEMBER, type HallFetch } from "./hall-calls.ts";
