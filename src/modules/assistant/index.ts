/**
 * The assistant's public surface for other modules (analytics reads its unanswered-question queue;
 * the server reads the decision model before it listens).
 */
export { AssistantService, type QueueGroup } from "./service.ts";
export { shippedDecisionModel } from "./engine.ts";
