import type { FastifyInstance } from "fastify";
import iconv from "iconv-lite";
import { Invalid } from "./errors.ts";

/** The Chinese encodings some older partner systems still send JSON in. */
const GB_CHARSETS = new Set(["gbk", "gb2312", "gb18030", "cp936"]);
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The JSON body parser, honouring the charset: UTF-8 (the default) must be valid UTF-8, GBK / GB18030 is
 * decoded as such, and any other charset is refused. Fastify's own parser reads every body as UTF-8, so
 * a GBK body was stored as replacement characters without a word to the sender.
 */
export function registerJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "ignore");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    const charset = /charset\s*=\s*"?([\w-]+)/i
      .exec(request.headers["content-type"] ?? "")?.[1]
      ?.toLowerCase();
    let text: string;
    if (!charset || charset === "utf-8" || charset === "utf8") {
      try {
        text = utf8.decode(body as Buffer);
      } catch {
        return done(
          new Invalid(
            "请求内容不是有效的 UTF-8 编码（若使用 GBK 编码，请在 Content-Type 中注明 charset=gbk）",
          ),
          undefined,
        );
      }
    } else if (GB_CHARSETS.has(charset)) {
      text = iconv.decode(body as Buffer, "gb18030");
    } else {
      return done(
        new Invalid(`不支持的字符编码 ${charset}，请使用 UTF-8`, {}, "unsupported_encoding"),
        undefined,
      );
    }
    parseJson(request, text, done);
  });
}
