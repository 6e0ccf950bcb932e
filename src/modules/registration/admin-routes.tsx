import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { RegistrationDeps } from "./deps.ts";

const registrationAdminRoutes: FastifyPluginAsyncTypebox<{ deps: RegistrationDeps }> = async () => {};

export default registrationAdminRoutes;
