// Sharing one event from its pop-up: how long the link should work, Share, then the link with a
// Copy button and until when it works. The link opens the event's clip without a login, so it
// is offered only to users who may export the camera's footage (the panel decides).
import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { type ExportController, SHARE_LIFETIMES } from "./export-controller";
import type { TimelineEvent } from "./model";
import { controlStyles } from "./styles";
import { type Clock, formatDateTime } from "./time";

/** Put text on the clipboard; where the page may not (plain HTTP), select it for the user instead. */
async function copyText(text: string, field: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    field?.select();
    return false;
  }
}

export class HeldarEventShare extends LitElement {
  static override styles = [
    controlStyles,
    css`
      .share {
        display: flex;
        flex-wrap: wrap;
        gap: 4px;
        align-items: center;
        margin-top: 4px;
      }
      .share > * {
        flex: 1 1 auto;
        min-width: 0;
      }
      .share-url {
        width: 100%;
        border-radius: 4px;
      }
      .note {
        flex-basis: 100%;
        font-size: 0.9em;
        color: var(--secondary-text-color, #666);
      }
      .note.error {
        color: var(--error-color, #db4437);
      }
    `,
  ];

  static override properties = {
    controller: { attribute: false },
    event: { attribute: false },
    clock: { attribute: false },
    _lifetime: { state: true },
    _copied: { state: true },
  };

  /** The camera's export and share controller. */
  controller: ExportController | null = null;
  /** The event whose pop-up is open. */
  event: TimelineEvent | null = null;
  clock: Clock = { timeZone: "UTC", locale: "en" };

  /** How long the next link works, seconds (1 day unless chosen). */
  private _lifetime: number = SHARE_LIFETIMES[1].seconds;
  /** Whether the link on show was copied ("copied"), or selected to copy by hand ("selected"). */
  private _copied: "copied" | "selected" | null = null;
  private readonly _update = () => this.requestUpdate();

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.controller?.removeEventListener("change", this._update);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.controller?.addEventListener("change", this._update);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("controller")) {
      changed.get("controller")?.removeEventListener("change", this._update);
      this.controller?.addEventListener("change", this._update);
    }
    if (changed.has("event")) this._copied = null;
  }

  private async _copy(url: string): Promise<void> {
    const copied = await copyText(url, this.renderRoot.querySelector<HTMLInputElement>(".share-url"));
    this._copied = copied ? "copied" : "selected";
  }

  protected override render(): TemplateResult | typeof nothing {
    const { controller, event } = this;
    if (!controller || !event) return nothing;
    const share = controller.shares.get(event.id);
    if (share?.state === "shared") {
      return html`<div class="share">
        <input class="share-url" readonly aria-label="Share link" .value=${share.url} @focus=${(e: Event) => (e.target as HTMLInputElement).select()} />
        <button class="copy-link" @click=${() => void this._copy(share.url)}>Copy</button>
        <span class="note share-expiry">Works until ${formatDateTime(share.expires, this.clock)}</span>
        ${this._copied
          ? html`<span class="note copied" role="status">${this._copied === "copied" ? "Copied." : "Selected: copy it from the box."}</span>`
          : nothing}
      </div>`;
    }
    // An event still recording has no clip yet.
    const recording = event.end === null;
    return html`<div class="share">
      <select
        class="share-lifetime"
        aria-label="Link works for"
        @change=${(e: Event) => (this._lifetime = Number((e.target as HTMLSelectElement).value))}
      >
        ${SHARE_LIFETIMES.map(
          (choice) => html`<option value=${choice.seconds} ?selected=${choice.seconds === this._lifetime}>${choice.label}</option>`,
        )}
      </select>
      <button
        class="share-event"
        ?disabled=${recording || share?.state === "asking"}
        title=${recording ? "It can be shared once it has finished recording." : "A link that opens this clip without a login"}
        @click=${() => void controller.share(event.id, this._lifetime)}
      >
        Share
      </button>
      ${share?.state === "failed" ? html`<span class="note error" role="alert">${share.error}</span>` : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "heldar-event-share": HeldarEventShare;
  }
}
