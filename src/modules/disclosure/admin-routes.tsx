import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { DisclosureDeps } from "./deps.ts";
const disclosureAdminRoutes: FastifyPluginAsyncTypebox<{ deps: DisclosureDeps }> = async () => {};
export default disclosureAdminRoutes;
