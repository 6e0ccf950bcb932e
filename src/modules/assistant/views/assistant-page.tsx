import { PhoneCodeFields, type PhoneCodeState } from "../../../web/components/phone-code.tsx";
import { Layout, type PageContext } from "../../../web/layout.tsx";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import type { FaqLink } from "../repo.ts";
import type { Suggestion } from "../engine.ts";

export interface TurnView {
  id: number;
  question: string;
  answered: boolean;
  faqId: string | null;
  sourceQuestion: string | null;
  answer: string;
  links: FaqLink[];
  rating: number | null;
  /** Suggestions are only known for the turn just asked. */
  suggestions?: Suggestion[];
}

export interface HandOffValues {
  name: string;
  phone: string;
  code: string;
  email: string;
  message: string;
  publishConsent: boolean;
}

export const EMPTY_HANDOFF: HandOffValues = {
  name: "",
  phone: "",
  code: "",
  email: "",
  message: "",
  publishConsent: false,
};

/** "Code sent" after the first step of the hand-off form. */
/** What the hand-off's phone-code step shows after a code was sent (see web/components/phone-code). */
export type HandOffNotice = PhoneCodeState;

/** The letter filed for the hand-off. */
export interface HandOffReceiptView {
  queryNo: string;
  lookupCode: string;
  lookupUrl: string;
}

const LINK_KIND: Record<string, string> = {
  service: "办事指南",
  apply: "在线办理",
  policy: "相关政策",
  page: "相关页面",
};

function Turn({ ctx, turn, conversationId }: { ctx: PageContext; turn: TurnView; conversationId: string }) {
  return (
    <li class="assistant-turn" id={`turn-${turn.id}`}>
      <div class="assistant-question">
        <span class="assistant-who">您问：</span>
        {turn.question}
      </div>
      <div class={turn.answered ? "assistant-answer" : "assistant-answer unsure"}>
        <span class="assistant-who">智能客服：</span>
        <p>{turn.answer}</p>
        {turn.answered && turn.sourceQuestion ? (
          <p class="meta assistant-source">答案来源：知识库条目“{turn.sourceQuestion}”</p>
        ) : null}
        {turn.links.length > 0 ? (
          <ul class="assistant-links">
            {turn.links.map((l) => (
              <li>
                {LINK_KIND[l.kind] ?? "相关链接"}：<a href={l.href}>{l.title}</a>
              </li>
            ))}
          </ul>
        ) : null}
        {turn.suggestions && turn.suggestions.length > 0 ? (
          <div class="assistant-suggestions">
            <p>{turn.answered ? "您可能还想问：" : "您是不是想问："}</p>
            <ul>
              {turn.suggestions.map((s) => (
                <li>
                  <a
                    href={`${ctx.base}/assistant?q=${encodeURIComponent(s.question)}&c=${encodeURIComponent(conversationId)}`}
                  >
                    {s.question}
                  </a>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {turn.answered ? (
          turn.rating ? (
            <p class="meta">
              感谢您的评价{turn.rating === 1 ? "（有帮助）" : "（没有帮助），我们会改进这个回答"}。
            </p>
          ) : (
            <form method="post" action={`${ctx.base}/assistant/rate`} class="assistant-rate">
              <input type="hidden" name="conversationId" value={conversationId} />
              <input type="hidden" name="turnId" value={String(turn.id)} />
              <span>这个回答对您有帮助吗？</span>
              <button type="submit" name="rating" value="helpful" class="button secondary">
                有帮助
              </button>
              <button type="submit" name="rating" value="unhelpful" class="button secondary">
                没帮助
              </button>
            </form>
          )
        ) : null}
      </div>
    </li>
  );
}

export function AssistantPage({
  ctx,
  conversationId,
  turns,
  question,
  handOff,
  handOffErrors,
  handOffNotice,
  receipt,
}: {
  ctx: PageContext;
  conversationId: string;
  turns: TurnView[];
  question: string;
  handOff: HandOffValues;
  handOffErrors: Record<string, string>;
  handOffNotice?: HandOffNotice;
  receipt?: HandOffReceiptView;
}) {
  const last = turns[turns.length - 1];
  const showHandOff =
    Object.keys(handOffErrors).length > 0 || handOffNotice !== undefined || (last && !last.answered);
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "智能客服", columnName: "智能客服", url: `${ctx.base}/assistant` }}
      crumbs={[{ name: "首页", href: `${ctx.base}/` }, { name: "智能客服" }]}
    >
      <h1>智能客服</h1>
      <p class="meta">
        您可以咨询社保、医保、公积金、户籍、税务、不动产登记等办事问题。智能客服的回答来自经过审核的知识库；答不上来的问题，您可以转人工客服。
      </p>
      {receipt ? (
        <div class="notice info" role="status">
          <p>已转人工客服：您的问题和对话记录已作为咨询信件提交到领导信箱，工作人员会按时限答复您。</p>
          <p>
            查询编号：<strong class="query-no">{receipt.queryNo}</strong>
          </p>
          <p>
            查询码：<strong class="lookup-code">{receipt.lookupCode}</strong>
          </p>
          <p>请妥善保存查询编号和查询码，凭二者可查看办理进度和答复。查询码只显示这一次。</p>
          <p>
            <a href={receipt.lookupUrl} class="lookup-link">
              免登录查看办理进度
            </a>
            （可收藏此链接）
          </p>
        </div>
      ) : null}
      {turns.length > 0 ? (
        <section aria-labelledby="conversation-title">
          <h2 id="conversation-title">对话记录</h2>
          <ol class="assistant-conversation" aria-live="polite">
            {turns.map((t) => (
              <Turn ctx={ctx} turn={t} conversationId={conversationId} />
            ))}
          </ol>
        </section>
      ) : null}
      <form method="post" action={`${ctx.base}/assistant`} class="assistant-form">
        <input type="hidden" name="conversationId" value={conversationId} />
        <Field
          id="question"
          label={turns.length > 0 ? "继续提问" : "请输入您的问题"}
          hint="例如：租房怎么提取公积金？身份证丢了怎么补办？"
        >
          <textarea id="question" name="question" maxLength={300} rows={3} required>
            {question}
          </textarea>
        </Field>
        <button type="submit" class="button">
          提问
        </button>
      </form>
      <section aria-labelledby="handoff-title" class="assistant-handoff">
        <h2 id="handoff-title">转人工客服</h2>
        {showHandOff ? null : (
          <p class="meta">没有找到答案？留下联系方式，工作人员会根据您的对话记录答复您。</p>
        )}
        <form method="post" action={`${ctx.base}/assistant/handoff`} novalidate>
          {/* Enter in a text field files the request, not the code request. */}
          <button type="submit" name="action" value="submit" class="visually-hidden" tabIndex={-1}>
            转人工客服
          </button>
          <ErrorSummary errors={handOffErrors} />
          <p class="meta">转人工后，您的问题和对话记录将作为咨询信件提交到领导信箱，需要验证手机号码。</p>
          <input type="hidden" name="conversationId" value={conversationId} />
          <Field id="name" label="姓名（必填）" error={handOffErrors.name}>
            <input
              id="name"
              name="name"
              type="text"
              maxLength={30}
              value={handOff.name}
              autocomplete="name"
              required
            />
          </Field>
          <PhoneCodeFields
            action={`${ctx.base}/assistant/handoff`}
            values={handOff}
            errors={handOffErrors}
            sent={handOffNotice}
          />
          <Field id="email" label="电子邮箱（选填）" error={handOffErrors.email}>
            <input
              id="email"
              name="email"
              type="email"
              maxLength={100}
              value={handOff.email}
              autocomplete="email"
            />
          </Field>
          <Field id="message" label="补充说明（选填）" error={handOffErrors.message}>
            <textarea id="message" name="message" maxLength={2000} rows={3}>
              {handOff.message}
            </textarea>
          </Field>
          <div class="field">
            <label>
              <input type="checkbox" name="publishConsent" value="1" checked={handOff.publishConsent} />{" "}
              同意在隐去个人信息后公开这封信件和答复
            </label>
          </div>
          <button type="submit" name="action" value="submit" class="button secondary">
            转人工客服
          </button>
        </form>
      </section>
    </Layout>
  );
}
