export { ExchangeService, MAX_SKEW_SECONDS, type Member, type Purpose } from "./service.ts";
export { seedExchange, DEMO_CONSUMER_FILE, type DemoCredentials } from "./seed.ts";
export {
  answerProblem,
  signedAnswer,
  signedQuery,
  signedRequest,
  type MemberCredentials,
  type SignedCall,
} from "./client.ts";
export type { Resource } from "./catalogue.ts";
export { HallGateway, HALL_MEMBER, type HallFetch } from "./hall-calls.ts";
