import { createHash } from "node:crypto";
import { extname } from "node:path";
import { fileTypeFromBuffer } from "file-type";
import { Invalid } from "../http/errors.ts";

export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

/** What each allowed extension must really be, judged from its bytes. */
const ALLOWED: Record<string, { mimes: string[]; label: string }> = {
  ".pdf": { mimes: ["application/pdf"], label: "PDF" },
  ".docx": {
    mimes: ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
    label: "Word",
  },
  ".xlsx": { mimes: ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"], label: "Excel" },
  ".doc": { mimes: ["application/x-cfb"], label: "Word" },
  ".xls": { mimes: ["application/x-cfb"], label: "Excel" },
  ".png": { mimes: ["image/png"], label: "PNG 图片" },
  ".jpg": { mimes: ["image/jpeg"], label: "JPEG 图片" },
  ".jpeg": { mimes: ["image/jpeg"], label: "JPEG 图片" },
  ".gif": { mimes: ["image/gif"], label: "GIF 图片" },
  ".webp": { mimes: ["image/webp"], label: "WebP 图片" },
};

export const ALLOWED_EXTENSIONS = Object.keys(ALLOWED);

export interface CheckedFile {
  fileName: string;
  mime: string;
  size: number;
  sha256: string;
  bytes: Buffer;
}

/** A safe display/download name: no path, no control characters, at most 120 characters. */
export function cleanFileName(name: string): string {
  const base = name.replace(/\\/g, "/").split("/").pop() ?? "";
  // Control characters are exactly what must go.
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, "").trim();
  return cleaned.slice(-120) || "附件";
}

/** The one content sniffer: an upload's real MIME type read from its bytes, or null when unknown. */
export async function sniffMime(bytes: Buffer): Promise<string | null> {
  return (await fileTypeFromBuffer(bytes))?.mime ?? null;
}

/** Checks an upload's real type from its bytes against its extension. */
export async function checkAttachment(fileName: string, bytes: Buffer): Promise<CheckedFile> {
  const name = cleanFileName(fileName);
  const ext = extname(name).toLowerCase();
  const rule = ALLOWED[ext];
  if (!rule)
    throw new Invalid(`不支持的附件类型“${ext || "无扩展名"}”，仅支持 PDF、Word、Excel 和图片`, {
      file: "附件类型不支持",
    });
  if (bytes.length === 0) throw new Invalid("附件是空文件", { file: "附件是空文件" });
  if (bytes.length > MAX_ATTACHMENT_BYTES) throw new Invalid("附件不能超过 20MB", { file: "附件过大" });
  const detected = await sniffMime(bytes);
  if (!detected || !rule.mimes.includes(detected)) {
    throw new Invalid(`附件“${name}”的内容不是 ${rule.label} 文件，请检查后重新上传`, {
      file: `文件内容与扩展名 ${ext} 不符`,
    });
  }
  return {
    fileName: name,
    mime:
      detected === "application/x-cfb"
        ? ext === ".doc"
          ? "application/msword"
          : "application/vnd.ms-excel"
        : detected,
    size: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    bytes,
  };
}

/** Content-Disposition for a download, with the UTF-8 name (RFC 6266 / 5987). */
export function contentDisposition(fileName: string, inline: boolean): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `${inline ? "inline" : "attachment"}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
