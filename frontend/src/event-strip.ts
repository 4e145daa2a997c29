// The events above the timeline's track: a mark per event, the pop-up of the one opened (its
// thumbnail, reason, time and Play), hover with a grace to reach the pop-up, and the keyboard
// (roving focus over the marks). It owns which pop-up is open; what Play does is its owner's.
// What its owner adds to the pop-up (Share) goes in its "event-actions" slot.
//
// Events (bubbling, composed):
//   heldar-play  {t, event}  play the event from its start
//   heldar-popup {event}     the pop-up opened on an event, or closed (null)
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import type { TimelineEvent, View } from "./model";
import { controlStyles, stripStyles } from "./styles";
import { type Clock, formatDateTime } from "./time";
import { fire, placer } from "./ui";

/** A pop-up opened by hovering waits this long after the pointer leaves, so it can be reached. */
export const POPUP_GRACE_MS = 500;
/** A mark's touch target, as its `::before` draws it on a touch screen (`styles.ts`). */
const FINGER_PX = 44;
const FINGER_ABOVE_PX = 10;
const FINGER_BELOW_PX = 4;

/** An event on the bar; with several cameras, its camera's colour. */
export interface BarEvent extends TimelineEvent {
  color?: string;
}

/** What heldar-play tells: the instant to play from, and the event when it was an event's Play. */
export interface PlayDetail {
  t: number;
  event?: BarEvent;
}

export class HeldarEventStrip extends LitElement {
  static override styles = [controlStyles, stripStyles];

  static override properties = {
    events: { attribute: false },
    view: { attribute: false },
    now: { attribute: false },
    clock: { attribute: false },
    _popup: { state: true },
    _focused: { state: true },
  };

  events: BarEvent[] = [];
  /** The instants the track shows: the marks sit where their events are on it. */
  view: View = { end: Date.now(), hours: 3 };
  /** Now, epoch ms: where an event still recording ends. */
  now = Date.now();
  clock: Clock = { timeZone: "UTC", locale: "en" };

  private _popup: BarEvent | null = null;
  /** The pop-up was opened by a click, a tap or a key: it stays until closed. */
  private _pinned = false;
  /** The event the keyboard is on. */
  private _focused: string | null = null;
  private _popupClose: number | undefined;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearTimeout(this._popupClose);
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has("_popup")) fire(this, "heldar-popup", { event: this._popup });
  }

  /**
   * Open the event whose finger-wide target holds the point (clientX, clientY); return whether
   * one did. A tap on a mark can reach the timeline bar's host instead of the mark: Chromium's
   * touch adjustment picks the host of the nested shadow roots the marks are in, so the bar
   * hands such a tap here (`timeline-bar.ts`).
   */
  openAt(x: number, y: number): boolean {
    let best: { event: BarEvent; distance: number } | null = null;
    for (const mark of this.renderRoot.querySelectorAll<HTMLElement>(".event")) {
      const box = mark.getBoundingClientRect();
      const distance = Math.abs(x - (box.left + box.width / 2));
      const reach = Math.max(box.width, FINGER_PX) / 2;
      if (distance > reach || y < box.top - FINGER_ABOVE_PX || y > box.bottom + FINGER_BELOW_PX) continue;
      const event = this.events.find((e) => e.id === mark.dataset.id);
      if (event && (best === null || distance < best.distance)) best = { event, distance };
    }
    if (best === null) return false;
    this._open(best.event, true);
    return true;
  }

  /** Close the pop-up (the track was pressed, Escape, its ×, or its Play). */
  close(): void {
    window.clearTimeout(this._popupClose);
    this._popup = null;
    this._pinned = false;
  }

  /** Open an event's pop-up; `pinned` (a click, a tap, a key) keeps it until it is closed. */
  private _open(event: BarEvent, pinned: boolean): void {
    window.clearTimeout(this._popupClose);
    this._pinned = pinned || (this._pinned && this._popup?.id === event.id);
    this._popup = event;
    this._focused = event.id;
  }

  /** A mouse over an event opens its pop-up, which stays while the pointer moves onto it. */
  private _hover(event: BarEvent): void {
    if (this._pinned && this._popup?.id !== event.id) return;
    this._open(event, false);
  }

  private _unhover(): void {
    window.clearTimeout(this._popupClose);
    this._popupClose = window.setTimeout(() => {
      if (!this._pinned) this._popup = null;
    }, POPUP_GRACE_MS);
  }

  private _play(event: BarEvent): void {
    this.close();
    fire<PlayDetail>(this, "heldar-play", { t: event.start, event });
  }

  /** Arrow keys move between events (their pop-up opens), Enter plays, Escape closes. */
  private _key(key: KeyboardEvent, events: BarEvent[]): void {
    if (key.key === "Escape") {
      this.close();
      key.preventDefault();
      return;
    }
    // The pop-up's own controls (Play, Share, its link) take their keys themselves.
    const inPopup = key.composedPath().some((node) => node instanceof HTMLElement && node.classList.contains("popup"));
    if (!events.length || inPopup) return;
    const at = events.findIndex((e) => e.id === this._focused);
    const steps: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity };
    if (key.key in steps) {
      const step = steps[key.key];
      const from = at < 0 ? events.length - 1 : at; // the strip takes focus on its newest event
      const next = events[Math.min(events.length - 1, Math.max(0, Number.isFinite(step) ? from + step : step))];
      this._open(next, true);
      void this.updateComplete.then(() =>
        this.renderRoot.querySelector<HTMLElement>(`.event[data-id="${CSS.escape(next.id)}"]`)?.focus(),
      );
    } else if ((key.key === "Enter" || key.key === " ") && at >= 0) {
      this._play(events[at]);
    } else {
      return;
    }
    key.preventDefault();
  }

  private _renderPopup(popup: BarEvent, left: string): TemplateResult {
    return html`<div
      class="popup"
      role="dialog"
      aria-label=${popup.reason}
      style="left:clamp(100px, ${left}, calc(100% - 100px))"
      @pointerenter=${() => window.clearTimeout(this._popupClose)}
      @pointerleave=${(ev: PointerEvent) => ev.pointerType === "mouse" && this._unhover()}
    >
      <button class="close-popup" aria-label="Close" @click=${() => this.close()}>×</button>
      ${popup.thumbnail ? html`<img src=${popup.thumbnail} alt="" loading="lazy" />` : nothing}
      <div><b>${popup.reason}</b></div>
      <div>${formatDateTime(popup.start, this.clock)}</div>
      <button class="play-event" @click=${() => this._play(popup)}>Play</button>
      <slot name="event-actions"></slot>
    </div>`;
  }

  protected override render(): TemplateResult {
    const { view, now } = this;
    const { left, width, visible } = placer(view);
    const events = this.events.filter((e) => visible(e.start, e.end ?? now));
    const popup = this._popup;
    const tabbable = events.some((e) => e.id === this._focused) ? this._focused : (events.at(-1)?.id ?? null);
    return html`<div class="events" role="toolbar" aria-label="Events" @keydown=${(ev: KeyboardEvent) => this._key(ev, events)}>
      ${events.map(
        (e) =>
          html`<div
            class="event ${popup?.id === e.id ? "open" : ""}"
            data-id=${e.id}
            title=${e.reason}
            role="button"
            tabindex=${e.id === tabbable ? "0" : "-1"}
            aria-label="${e.reason}, ${formatDateTime(e.start, this.clock)}"
            aria-expanded=${popup?.id === e.id ? "true" : "false"}
            style="left:${left(e.start)};width:${width(e.start, e.end ?? now)}${e.color ? `;background:${e.color}` : ""}"
            @pointerenter=${(ev: PointerEvent) => ev.pointerType === "mouse" && this._hover(e)}
            @pointerleave=${(ev: PointerEvent) => ev.pointerType === "mouse" && this._unhover()}
            @click=${() => this._open(e, true)}
            @focus=${() => this._open(e, true)}
          ></div>`,
      )}
      ${popup ? this._renderPopup(popup, left(popup.start)) : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "heldar-event-strip": HeldarEventStrip;
  }
  interface HTMLElementEventMap {
    "heldar-play": CustomEvent<PlayDetail>;
    "heldar-popup": CustomEvent<{ event: BarEvent | null }>;
  }
}
