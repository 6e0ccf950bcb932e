// Console rich-text editor: enhances <textarea data-rich-text> with TipTap. Without JavaScript the
// textarea still submits HTML; either way the server sanitises the body (ContentService).
import { Editor } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";

interface ToolButton {
  label: string;
  run: (editor: Editor) => void;
  active?: (editor: Editor) => boolean;
}

const BUTTONS: ToolButton[] = [
  { label: "加粗", run: (e) => e.chain().focus().toggleBold().run(), active: (e) => e.isActive("bold") },
  { label: "斜体", run: (e) => e.chain().focus().toggleItalic().run(), active: (e) => e.isActive("italic") },
  {
    label: "二级标题",
    run: (e) => e.chain().focus().toggleHeading({ level: 2 }).run(),
    active: (e) => e.isActive("heading", { level: 2 }),
  },
  {
    label: "三级标题",
    run: (e) => e.chain().focus().toggleHeading({ level: 3 }).run(),
    active: (e) => e.isActive("heading", { level: 3 }),
  },
  {
    label: "项目列表",
    run: (e) => e.chain().focus().toggleBulletList().run(),
    active: (e) => e.isActive("bulletList"),
  },
  {
    label: "编号列表",
    run: (e) => e.chain().focus().toggleOrderedList().run(),
    active: (e) => e.isActive("orderedList"),
  },
  {
    label: "引用",
    run: (e) => e.chain().focus().toggleBlockquote().run(),
    active: (e) => e.isActive("blockquote"),
  },
  {
    label: "链接",
    run: (e) => {
      const previous = (e.getAttributes("link").href as string | undefined) ?? "";
      const href = window.prompt("链接地址（留空则取消链接）", previous);
      if (href === null) return;
      if (href.trim() === "") e.chain().focus().extendMarkRange("link").unsetLink().run();
      else e.chain().focus().extendMarkRange("link").setLink({ href: href.trim() }).run();
    },
    active: (e) => e.isActive("link"),
  },
  { label: "撤销", run: (e) => e.chain().focus().undo().run() },
  { label: "重做", run: (e) => e.chain().focus().redo().run() },
];

function enhance(textarea: HTMLTextAreaElement): void {
  const wrapper = document.createElement("div");
  wrapper.className = "rte";
  const toolbar = document.createElement("div");
  toolbar.className = "rte-toolbar";
  toolbar.setAttribute("role", "toolbar");
  toolbar.setAttribute("aria-label", "正文格式");
  const area = document.createElement("div");
  wrapper.append(toolbar, area);
  textarea.insertAdjacentElement("afterend", wrapper);
  textarea.hidden = true;

  const label = textarea.id ? document.querySelector(`label[for="${textarea.id}"]`) : null;
  const editor = new Editor({
    element: area,
    injectCSS: false,
    content: textarea.value,
    extensions: [
      StarterKit.configure({
        heading: { levels: [2, 3, 4] },
        link: { openOnClick: false, autolink: true, protocols: ["http", "https", "mailto"] },
      }),
    ],
    editorProps: {
      attributes: {
        class: "rte-content rich-text",
        role: "textbox",
        "aria-multiline": "true",
        "aria-label": label?.textContent?.trim() || "正文",
      },
    },
    onUpdate: ({ editor: e }) => {
      textarea.value = e.getHTML();
      refresh();
    },
    onSelectionUpdate: () => refresh(),
  });

  const buttons = BUTTONS.map((b) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary";
    button.textContent = b.label;
    // Keep the editor's focus and selection when a button is pressed with the mouse.
    button.addEventListener("mousedown", (event) => event.preventDefault());
    button.addEventListener("click", () => b.run(editor));
    toolbar.append(button);
    return { button, def: b };
  });
  function refresh(): void {
    for (const { button, def } of buttons) {
      if (def.active) button.setAttribute("aria-pressed", String(def.active(editor)));
    }
  }
  refresh();
  textarea.form?.addEventListener("submit", () => {
    textarea.value = editor.getHTML();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll<HTMLTextAreaElement>("textarea[data-rich-text]").forEach(enhance);
});
