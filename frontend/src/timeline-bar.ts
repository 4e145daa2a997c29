// The timeline bar: what each camera recorded (one lane each), its events (the event strip), the
// playhead and the time ticks; zoom, pan, click or drag to play, drag to select. It owns its view
// and its gestures; what to do with them is its owner's: it tells by events. What the owner puts
// in its "event-actions" slot shows in the event pop-up.
//
// Events (bubbling, composed):
//   heldar-play   {t, event?}   play from instant t (a click, the end of a scrub, an event's Play)
//   heldar-select {range}       the selected range changed (null: none)
//   heldar-view   {start, end}  the view changed (zoom, pan, following now)
//   heldar-hover  {t, x}        the pointer hovers or drags at instant t (null: it left)
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { activityBands } from "./activity";
import type { BarEvent, PlayDetail } from "./event-strip";
import {
  type Span,
  type View,
  fractionOf,
  gapsBetween,
  orderedRange,
  timeAt,
  viewStart,
  zoomAround,
  zoomStep,
  ZOOM_HOURS,
} from "./model";
import type { HoverDetail } from "./scrub-preview";
import { barStyles, controlStyles } from "./styles";
import { type Clock, HOUR, formatClock, ticks } from "./time";
import { fire, icon, iso, pct, placer } from "./ui";

/** Tick labels are at least this far apart (px). */
const TICK_SPACING_PX = 64;

/** One camera's row of footage. */
export interface BarLane {
  id: string;
  spans: Span[];
  /** The stretches where it saw activity (drawn as a thin strip); none drawn when absent. */
  activity?: Span[];
  /** Its colour (several lanes); one lane draws in the theme's success colour. */
  color?: string;
  label?: string;
}

export class HeldarTimelineBar extends LitElement {
  static override styles = [controlStyles, barStyles];

  static override properties = {
    lanes: { attribute: false },
    events: { attribute: false },
    clock: { attribute: false },
    now: { attribute: false },
    hours: { type: Number },
    playhead: { attribute: false },
    playing: { type: Boolean },
    selecting: { type: Boolean },
    selection: { attribute: false },
    _view: { state: true },
    _cursor: { state: true },
  };

  lanes: BarLane[] = [];
  events: BarEvent[] = [];
  clock: Clock = { timeZone: "UTC", locale: "en" };
  /** Now on the server's clock, epoch ms: the view follows it unless the user moved away. */
  now = Date.now();
  hours = 3;
  playhead: number | null = null;
  playing = false;
  selecting = false;
  selection: Span | null = null;

  private _view: View = { end: Date.now(), hours: 3 };
  private _follow = true;
  private _cursor: number | null = null;
  private _press: { x: number; t: number; moved: boolean } | null = null;
  private _width = 480;
  private _resize = new ResizeObserver((entries) => {
    const width = entries[0]?.contentRect.width ?? 0;
    if (width > 0 && Math.abs(width - this._width) > 8) {
      this._width = width;
      this.requestUpdate();
    }
  });

  /** The instants on screen. */
  get view(): Span {
    return { start: viewStart(this._view), end: this._view.end };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this._resize.observe(this);
    this.addEventListener("click", this._clickOnHost);
  }

  /** A tap that Chromium gave to this host rather than to the event mark under it opens the mark. */
  private readonly _clickOnHost = (event: MouseEvent): void => {
    if (event.composedPath()[0] !== this) return;
    if (event instanceof PointerEvent && event.pointerType === "mouse") return;
    this.renderRoot.querySelector("heldar-event-strip")?.openAt(event.clientX, event.clientY);
  };

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._resize.disconnect();
    this.removeEventListener("click", this._clickOnHost);
  }

  /** Show now at the right edge and follow it (going live). */
  followNow(): void {
    this._follow = true;
    this._view = { ...this._view, end: this.now };
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("hours")) this._view = { end: this.now, hours: this.hours };
    if (changed.has("now") && this._follow && !this.playing) this._view = { ...this._view, end: this.now };
    const playhead = this.playhead;
    if (this.playing && playhead !== null && (playhead < viewStart(this._view) || playhead > this._view.end)) {
      // Keep the playhead in view: centre it (never past now).
      this._follow = false;
      this._view = { ...this._view, end: Math.min(this.now, playhead + (this._view.hours * HOUR) / 2) };
    }
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has("_view")) fire(this, "heldar-view", this.view);
  }

  private _zoom(hours: number, anchor?: number): void {
    const now = this.now;
    this._view = zoomAround(this._view, hours, anchor ?? this.playhead ?? this._view.end, now);
    this._follow = this._view.end >= now - 1000 && !this.playing;
  }

  private _pan(direction: -1 | 1): void {
    const now = this.now;
    const end = Math.min(now, this._view.end + (direction * this._view.hours * HOUR) / 2);
    this._view = { ...this._view, end };
    this._follow = end >= now - 1000 && !this.playing;
  }

  private _timeOf(event: PointerEvent | WheelEvent): number {
    const track = event.currentTarget as HTMLElement;
    const box = track.getBoundingClientRect();
    return timeAt((event.clientX - box.left) / box.width, this._view);
  }

  private _down(event: PointerEvent): void {
    if (event.button !== 0) return;
    (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
    const t = this._timeOf(event);
    this._press = { x: event.clientX, t, moved: false };
    this._cursor = t;
    this.renderRoot.querySelector("heldar-event-strip")?.close();
    if (this.selecting) this._select({ start: t, end: t });
  }

  private _move(event: PointerEvent): void {
    const t = this._timeOf(event);
    this._cursor = t;
    fire<HoverDetail>(this, "heldar-hover", { t, x: event.clientX }); // the scrub preview follows
    if (!this._press || !this.selecting) return;
    // Any drag selects: at a week's zoom one pixel is many minutes.
    if (Math.abs(event.clientX - this._press.x) > 1) this._press.moved = true;
    this._select(orderedRange(this._press.t, t));
  }

  private _up(event: PointerEvent): void {
    const press = this._press;
    this._press = null;
    if (!press) return;
    const t = this._timeOf(event);
    if (this.selecting) {
      this._select(press.moved ? orderedRange(press.t, t) : null);
      return;
    }
    if (event.pointerType !== "mouse") {
      this._cursor = null;
      fire<HoverDetail>(this, "heldar-hover", { t: null, x: 0 });
    }
    // A click, or the end of a scrub: play from the instant under the pointer.
    fire<PlayDetail>(this, "heldar-play", { t });
  }

  private _leave(): void {
    if (this._press) return;
    this._cursor = null;
    fire<HoverDetail>(this, "heldar-hover", { t: null, x: 0 });
  }

  private _wheel(event: WheelEvent): void {
    if (!event.ctrlKey) return; // a plain wheel scrolls the page; Ctrl + wheel (or a pinch) zooms
    event.preventDefault();
    this._zoom(zoomStep(this._view.hours, event.deltaY > 0 ? 1 : -1), this._timeOf(event));
  }

  private _select(range: Span | null): void {
    this.selection = range; // shown at once; the owner's answer sets it again
    fire(this, "heldar-select", { range });
  }

  /** A lane's footage and the gaps in it. */
  private _renderFootage(lane: BarLane): TemplateResult {
    const view = this._view;
    const { left, width, visible } = placer(view);
    const gaps = gapsBetween(lane.spans, viewStart(view), view.end);
    const colour = lane.color ? `;background:${lane.color}` : "";
    return html`${gaps.map((g) => html`<div class="gap" style="left:${left(g.start)};width:${width(g.start, g.end)}"></div>`)}
    ${lane.spans
      .filter((s) => visible(s.start, s.end))
      .map(
        (s) =>
          html`<div
            class="span"
            data-start=${iso(s.start)}
            data-end=${iso(s.end)}
            style="left:${left(s.start)};width:${width(s.start, s.end)}${colour}"
          ></div>`,
      )}`;
  }

  /** A lane's activity strip: a band per active stretch (those touching on screen as one). */
  private _renderActivity(lane: BarLane): TemplateResult | typeof nothing {
    if (!lane.activity) return nothing;
    const bands = activityBands(lane.activity, this._view, this._width);
    return html`<div class="activity-strip" data-camera=${lane.id} aria-hidden="true">
      ${bands.map(
        (band) =>
          html`<div
            class="active"
            data-start=${iso(band.start)}
            data-end=${iso(band.end)}
            style="left:${pct(band.left)};width:${pct(band.width)}"
          ></div>`,
      )}
    </div>`;
  }

  private _renderTrack(): TemplateResult {
    const view = this._view;
    const { left, width, visible } = placer(view);
    const { lanes, selection, playhead } = this;
    // One lane sits straight in the track; several stack, one row each.
    return html`<div
      class="track ${lanes.length > 1 ? "lanes" : ""}"
      style=${lanes.length > 1 ? `--lanes:${lanes.length}` : ""}
      data-view-start=${iso(viewStart(view))}
      data-view-end=${iso(view.end)}
      @pointerdown=${(e: PointerEvent) => this._down(e)}
      @pointermove=${(e: PointerEvent) => this._move(e)}
      @pointerup=${(e: PointerEvent) => this._up(e)}
      @pointercancel=${() => (this._press = null)}
      @pointerleave=${() => this._leave()}
      @wheel=${(e: WheelEvent) => this._wheel(e)}
    >
      ${lanes.length === 1
        ? this._renderFootage(lanes[0])
        : lanes.map(
            (lane) =>
              html`<div class="lane" data-camera=${lane.id} title=${lane.label ?? ""}>
                ${this._renderFootage(lane)} ${this._renderActivity(lane)}
              </div>`,
          )}
      ${selection
        ? html`<div
            class="selection"
            data-start=${iso(selection.start)}
            data-end=${iso(selection.end)}
            style="left:${left(selection.start)};width:${width(selection.start, selection.end)}"
          ></div>`
        : nothing}
      ${playhead !== null && visible(playhead, playhead)
        ? html`<div class="playhead" data-time=${iso(playhead)} style="left:${left(playhead)}"></div>`
        : nothing}
      ${this._cursor !== null
        ? html`<div class="cursor" data-time=${iso(this._cursor)} style="left:${left(this._cursor)}"></div>`
        : nothing}
    </div>`;
  }

  /** Time labels in HA's zone, as many as the width holds, none at the very edges. */
  private _renderTicks(): TemplateResult {
    const view = this._view;
    const { left } = placer(view);
    const inside = (t: number) => fractionOf(t, view) > 0.05 && fractionOf(t, view) < 0.95;
    const shown = ticks(viewStart(view), view.end, this.clock, Math.max(2, Math.floor(this._width / TICK_SPACING_PX)));
    return html`<div class="ticks">
      ${shown
        .filter((tick) => inside(tick.t))
        .map((tick) => html`<span class="tick ${tick.major ? "major" : ""}" style="left:${left(tick.t)}">${tick.label}</span>`)}
    </div>`;
  }

  private _renderZoom(): TemplateResult {
    const readout = this._cursor ?? this.playhead;
    return html`<div class="bar">
      <button class="zoom-in" title="Zoom in" @click=${() => this._zoom(zoomStep(this._view.hours, -1))}>
        ${icon("mdi:magnify-plus-outline", "+")}
      </button>
      <button class="zoom-out" title="Zoom out" @click=${() => this._zoom(zoomStep(this._view.hours, 1))}>
        ${icon("mdi:magnify-minus-outline", "−")}
      </button>
      <select class="zoom" @change=${(e: Event) => this._zoom(Number((e.target as HTMLSelectElement).value))}>
        ${ZOOM_HOURS.map(
          (h) => html`<option value=${h} ?selected=${h === this._view.hours}>${h < 48 ? `${h} h` : `${h / 24} days`}</option>`,
        )}
      </select>
      <button class="pan-back" title="Earlier" @click=${() => this._pan(-1)}>${icon("mdi:chevron-left", "‹")}</button>
      <button class="pan-on" title="Later" @click=${() => this._pan(1)}>${icon("mdi:chevron-right", "›")}</button>
      <span class="grow readout">${readout === null ? "" : formatClock(readout, this.clock)}</span>
    </div>`;
  }

  protected override render(): TemplateResult {
    return html`<div class="timeline">
        <heldar-event-strip .events=${this.events} .view=${this._view} .now=${this.now} .clock=${this.clock}>
          <slot name="event-actions" slot="event-actions"></slot>
        </heldar-event-strip>
        ${this._renderTrack()} ${this.lanes.length === 1 ? this._renderActivity(this.lanes[0]) : nothing}
        ${this._renderTicks()}
      </div>
      ${this._renderZoom()}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "heldar-timeline-bar": HeldarTimelineBar;
  }
  interface HTMLElementEventMap {
    "heldar-select": CustomEvent<{ range: Span | null }>;
    "heldar-view": CustomEvent<Span>;
  }
}
