import { parseArgs, type ParseArgsConfig } from "node:util";

/** A command line an operator typed wrong: the message (Chinese) says what, the usage how. */
export class CliArgsError extends Error {}

/** Node's parseArgs errors, in the operators' language. */
function chineseMessage(error: Error & { code?: string }): string {
  const option = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1] ?? "";
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `不认识的参数 ${option}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /does not take an argument/.test(error.message)
        ? `参数 ${option} 不需要取值`
        : `参数 ${option} 缺少取值`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL": {
      const extra = /'([^']*)'/.exec(error.message)?.[1] ?? "";
      return `多余的参数 ${extra}`;
    }
    default:
      return `命令行参数有误：${error.message}`;
  }
}

/** parseArgs, with its errors as a CliArgsError in Chinese. */
export function readArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new CliArgsError(chineseMessage(error as Error & { code?: string }));
  }
}
