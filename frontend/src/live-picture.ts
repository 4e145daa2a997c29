// A camera entity's live picture, drawn by Home Assistant's own picture-entity card; Home
// Assistant's "Image not available" when the camera does not answer. Labelled Live only once
// its picture loaded.
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { NOT_AVAILABLE, text } from "./strings";
import { controlStyles, screenStyles } from "./styles";
import type { CardHelpers, HomeAssistant, LovelaceCardElement } from "./types";

/** A camera whose picture failed is asked again this often. */
export const PICTURE_RETRY_MS = 30_000;

export class HeldarLivePicture extends LitElement {
  static override styles = [controlStyles, screenStyles];

  static override properties = {
    hass: { attribute: false },
    entity: { type: String },
    active: { type: Boolean },
    _picture: { state: true },
  };

  hass?: HomeAssistant;
  /** The camera entity. */
  entity = "";
  /**
   * Shown and streaming. Inactive (a recording plays instead) it lets go of Home Assistant's
   * card, which then stops its stream, and keeps it for the next time.
   */
  active = true;

  /** Whether the camera entity's picture loads: "unknown" until asked. */
  private _picture: "unknown" | "ok" | "missing" = "unknown";
  private _asked = 0;
  private _card: LovelaceCardElement | null = null;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("entity")) {
      this._picture = "unknown";
      this._asked = 0;
      this._card = null;
    }
    if (this.entity && this.active) {
      void this._check();
      // Shown while its picture is asked for; only a picture that loaded is labelled Live.
      if (this._picture !== "missing") void this._ensureCard();
    }
    if (this._card && this.hass) this._card.hass = this.hass;
  }

  protected override updated(): void {
    const holder = this.renderRoot.querySelector(".live-holder");
    if (holder && this._card && this._card.parentElement !== holder) holder.replaceChildren(this._card);
  }

  /** Ask once (then every 30 s while it fails) whether the camera's picture loads. */
  private async _check(): Promise<void> {
    const now = Date.now();
    if (this._picture === "ok" || now - this._asked < PICTURE_RETRY_MS) return;
    this._asked = now;
    const picture = this.hass?.states[this.entity]?.attributes.entity_picture;
    if (typeof picture !== "string") {
      this._picture = "missing";
      return;
    }
    try {
      const response = await fetch(picture, { cache: "no-store" });
      this._picture = response.ok ? "ok" : "missing";
    } catch {
      this._picture = "missing";
    }
  }

  private async _ensureCard(): Promise<void> {
    if (this._card) return;
    const loader = (window as unknown as { loadCardHelpers?: () => Promise<CardHelpers> }).loadCardHelpers;
    if (!loader) return;
    const helpers = await loader();
    if (this._card) return;
    const card = helpers.createCardElement({
      type: "picture-entity",
      entity: this.entity,
      camera_view: "live",
      show_name: false,
      show_state: false,
    });
    card.classList.add("live");
    card.hass = this.hass;
    this._card = card;
    this.requestUpdate();
  }

  protected override render(): TemplateResult | typeof nothing {
    if (!this.active || !this.entity) return nothing;
    if (this._picture === "missing") {
      return html`<div class="none placeholder" role="img">${text(this.hass?.localize, NOT_AVAILABLE)}</div>`;
    }
    return html`<div class="live-holder live"></div>
      ${this._picture === "ok" ? html`<span class="badge">Live</span>` : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "heldar-live-picture": HeldarLivePicture;
  }
}
