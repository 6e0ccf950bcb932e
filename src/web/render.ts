import type { VNode } from "preact";
import { render } from "preact-render-to-string";

/** Renders a full HTML document. Preact escapes every interpolated value. */
export function renderDocument(page: VNode): string {
  return "<!doctype html>" + render(page);
}

export function renderFragment(node: VNode): string {
  return render(node);
}
