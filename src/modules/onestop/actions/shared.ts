import type { ApplicationStatus } from "../tables.ts";
import type { Static, TObject } from "typebox";
import type { StaffPrincipal } from "../../staff/index.ts";
import type { WorkingCalendar } from "../../../platform/calendar/working-days.ts";
import type { Db } from "../../../platform/db/database.ts";
import type { OneStopTables } from "../tables.ts";
import {
  ACTION_LABELS,
  STATUS_LABELS,
  type Actor,
  type Application,
  type ApplicationChanges,
  type Task,
} from "../application-model.ts";
import type { ServiceItem } from "../catalogue.ts";
import { ConflictError, InvalidError } from "../errors.ts";
import type { WorkflowDefinition, WorkflowStore } from "../workflow.ts";
import { inputParser, type CommonInput } from "./input.ts";

export type TrxStep = (trx: Db<OneStopTables>["db"]) => Promise<void>;

export interface ExtensionRequest {
  id: number;
  status: string;
  days: number;
  requestedBy: number;
}

/** What the application service lends an action: its one way to change status, and its look-ups. */
export interface ActionServices {
  transition(
    app: Application,
    actor: Actor,
    action: string,
    to: ApplicationStatus,
    set: ApplicationChanges,
    note: string,
    after?: TrxStep,
  ): Promise<Application>;
  /** The open task of one of `kinds` the staff member may work on (an unclaimed one is taken). */
  taskFor(
    app: Application,
    staff: StaffPrincipal,
    kinds: string[],
    taskId: number | undefined,
    actionLabel: string,
  ): Promise<Task>;
  extensions(applicationId: number): Promise<ExtensionRequest[]>;
  isLeader(staff: StaffPrincipal, siteId: number): Promise<boolean>;
  handlersOf(siteId: number): Promise<{ id: number; displayName: string }[]>;
  readonly workflows: WorkflowStore;
}

/** Where an action starts: the application (its tasks ensured), who acts, and the clock. */
export interface ActionSetup {
  action: string;
  app: Application;
  staff: StaffPrincipal;
  item: ServiceItem | undefined;
  workflow: WorkflowDefinition;
  calendar: WorkingCalendar;
  /** China date the action happens on. */
  today: string;
  services: ActionServices;
}

export interface ActionContext<I> extends ActionSetup {
  input: I;
  /** The trimmed note, at most 2000 characters; "" when none. */
  note: string;
  actor: Actor;
  /** The task assignment the status change records: the acting staff member. */
  byMe: { assigneeId: number; assigneeName: string };
  requireStatus(statuses: string[]): void;
  requireNote(message: string): void;
  /** The open task of one of `kinds` this action works on (the input's taskId, if any). */
  task(kinds: string[]): Promise<Task>;
  transition(
    to: ApplicationStatus,
    set: ApplicationChanges,
    note: string,
    after?: TrxStep,
  ): Promise<Application>;
  /** `text`, followed by the note after `separator` when there is one. */
  withNote(text: string, separator?: string): string;
}

function actionContext<I>(setup: ActionSetup, input: I): ActionContext<I> {
  const { action, app, staff, services } = setup;
  const common = input as CommonInput;
  const note = (common.note ?? "").trim().slice(0, 2000);
  const label = ACTION_LABELS[action] ?? action;
  const actor: Actor = { kind: "staff", id: staff.id, name: staff.displayName };
  return {
    ...setup,
    input,
    note,
    actor,
    byMe: { assigneeId: staff.id, assigneeName: staff.displayName },
    requireStatus(statuses) {
      if (!statuses.includes(app.status))
        throw new ConflictError(`办件当前为“${STATUS_LABELS[app.status]}”，不能${label}`);
    },
    requireNote(message) {
      if (!note) throw new InvalidError(message, { note: message });
    },
    task: (kinds) => services.taskFor(app, staff, kinds, common.taskId, label),
    transition: (to, set, text, after) => services.transition(app, actor, action, to, set, text, after),
    withNote: (text, separator = "；") => (note ? `${text}${separator}${note}` : text),
  };
}

/** One handling action: its input schema and its handler. */
export interface Action {
  /** Checks the raw input against the action's schema (an InvalidError if it fails), then handles it. */
  run(setup: ActionSetup, raw: object): Promise<Application>;
}

/**
 * An action from its input schema and handler. Every schema that has `note` or `taskId` declares
 * them as in ./input.ts: the shared context reads them.
 */
export function defineAction<S extends TObject>(
  schema: S,
  handle: (ctx: ActionContext<Static<S>>) => Promise<Application>,
): Action {
  const parse = inputParser(schema);
  return { run: (setup, raw) => handle(actionContext(setup, parse(raw))) };
}
