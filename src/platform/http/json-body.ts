import type { FastifyInstance } from "fastify";
import { Invalid, Unsupported } from "./errors.ts";

const decoders = new Map<string, TextDecoder>();

/** A strict decoder for a charset label (WHATWG names: utf-8, gbk, gb18030, big5, iso-8859-1, …), or null. */
function decoderFor(label: string): TextDecoder | null {
  let decoder = decoders.get(label);
  if (!decoder) {
    try {
      decoder = new TextDecoder(label, { fatal: true });
    } catch {
      return null;
    }
    if (decoders.size < 50) decoders.set(label, decoder);
  }
  return decoder;
}

/**
 * The JSON body parser, honouring the charset: UTF-8 by default, and any charset the WHATWG Encoding
 * standard names (GBK and GB18030 from older partner systems, US-ASCII and ISO-8859-1 from older
 * clients); bytes that are not valid in it are refused, never stored garbled. Fastify's own parser read
 * every body as UTF-8, so a GBK body became replacement characters without a word to the sender.
 */
export function registerJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    const declared = /charset\s*=\s*"?([\w.:-]+)/i.exec(request.headers["content-type"] ?? "")?.[1];
    const label = (declared ?? "utf-8").toLowerCase();
    const decoder = decoderFor(label);
    if (!decoder) return done(new Unsupported(`不支持的字符编码 ${label}，请使用 UTF-8`), undefined);
    let text: string;
    try {
      text = decoder.decode(body as Buffer);
    } catch {
      const hint = declared ? "" : "（若使用 GBK 编码，请在 Content-Type 中注明 charset=gbk）";
      return done(
        new Invalid(
          `请求内容不是有效的 ${decoder.encoding.toUpperCase()} 编码${hint}`,
          {},
          "invalid_encoding",
        ),
        undefined,
      );
    }
    parseJson(request, text, done);
  });
}
