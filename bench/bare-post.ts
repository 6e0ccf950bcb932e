/** The baseline of `bench --registration`: a bare Fastify POST that parses JSON, validates nothing, stores nothing. */
import Fastify from "fastify";

const app = Fastify({ logger: false });
let n = 0;
app.get("/", async () => ({ ok: true }));
app.post("/submit", async (_request, reply) =>
  reply.status(201).send({ id: `R${++n}`, receipt: "00000000" }),
);
await app.listen({ port: Number(process.env.PORT), host: "127.0.0.1" });
