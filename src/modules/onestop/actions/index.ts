import { accept } from "./accept.ts";
import { claim } from "./claim.ts";
import { close } from "./close.ts";
import { complete } from "./complete.ts";
import { correction } from "./correction.ts";
import { decide } from "./decide.ts";
import { deliver } from "./deliver.ts";
import { extend } from "./extend.ts";
import { decideExtension } from "./extension-decision.ts";
import { refuse } from "./refuse.ts";
import { resume } from "./resume.ts";
import { returnForReview } from "./return.ts";
import type { Action } from "./shared.ts";
import { suspend } from "./suspend.ts";
import { transfer } from "./transfer.ts";

export type { ActionServices, ActionSetup, ExtensionRequest, TrxStep } from "./shared.ts";

/** A handler's actions on an application, by the name the forms post (see ACTION_LABELS). */
const ACTIONS: Record<string, Action> = {
  correction,
  accept,
  refuse,
  complete,
  decide,
  return: returnForReview,
  deliver,
  close,
  suspend,
  hearing: suspend,
  testing: suspend,
  expert: suspend,
  resume,
  claim,
  transfer,
  extend,
  extend_approve: decideExtension,
  extend_refuse: decideExtension,
};

export function actionNamed(name: string): Action | undefined {
  return Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
}
