import type { FastifyInstance } from "fastify";
import type { Services } from "../../app.ts";

export default async function interactionAdminRoutes(_app: FastifyInstance, _opts: { services: Services }) {}
