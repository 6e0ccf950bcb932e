/** The assistant's public surface for other modules (analytics reads its unanswered-question queue). */
export { AssistantService, type QueueGroup } from "./service.ts";
