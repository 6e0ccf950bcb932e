import type { FastifyInstance } from "fastify";
import type { Services } from "../../app.ts";

export default async function open311Routes(_app: FastifyInstance, _opts: { services: Services }) {}
