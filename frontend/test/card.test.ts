import { describe, expect, it } from "vitest";
import "../src/index";
import { selectCameras } from "../src/card";
import type { HeldarCameraTimeline } from "../src/camera-timeline";
import type { HomeAssistant, SubscribeMessage } from "../src/types";

const CAMERA = {
  camera: "sub1",
  name: "Front door",
  device_id: "dev1",
  entities: {
    state: "sensor.front_door_recorder_state",
    recording: "switch.front_door_recording",
    trigger: "button.front_door_trigger_recording",
    camera: null,
  },
};

function fakeHass() {
  const calls: Record<string, unknown>[] = [];
  const services: unknown[][] = [];
  let push: ((message: SubscribeMessage) => void) | null = null;
  const now = Date.now();
  const hass: HomeAssistant = {
    states: {
      "sensor.front_door_recorder_state": { entity_id: "sensor.front_door_recorder_state", state: "recording", attributes: {} },
      "switch.front_door_recording": { entity_id: "switch.front_door_recording", state: "on", attributes: {} },
    },
    language: "en",
    connection: {
      subscribeMessage<T>(callback: (message: T) => void, message: Record<string, unknown>) {
        calls.push(message);
        push = callback as unknown as (message: SubscribeMessage) => void;
        return Promise.resolve(() => Promise.resolve());
      },
    },
    callWS<T>(message: Record<string, unknown>): Promise<T> {
      calls.push(message);
      if (message.type === "heldar/cameras") {
        return Promise.resolve({ cameras: [CAMERA, { ...CAMERA, camera: "sub2", name: "Yard" }], time_zone: "Europe/Berlin" } as T);
      }
      return Promise.resolve({
        spans: [{ start: new Date(now - 600_000).toISOString(), end: new Date(now - 10_000).toISOString() }],
        gaps: [],
        events: [],
        now: new Date(now).toISOString(),
      } as T);
    },
    callService(domain: string, service: string, data?: Record<string, unknown>) {
      services.push([domain, service, data]);
      return Promise.resolve();
    },
  };
  return { hass, calls, services, push: (m: SubscribeMessage) => push?.(m) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("the card", () => {
  it("is offered in the card picker and has an editor", () => {
    const cards = (window as unknown as { customCards: { type: string }[] }).customCards;
    expect(cards.map((c) => c.type)).toContain("heldar-timeline-card");
    const Card = customElements.get("heldar-timeline-card") as unknown as { getConfigElement(): HTMLElement };
    expect(Card.getConfigElement().tagName).toBe("HELDAR-TIMELINE-CARD-EDITOR");
  });

  it("picks the configured cameras in order, or all", () => {
    const all = [CAMERA, { ...CAMERA, camera: "sub2" }];
    expect(selectCameras(all, ["sub2", "gone"]).map((c) => c.camera)).toEqual(["sub2"]);
    expect(selectCameras(all, [])).toHaveLength(2);
  });

  it("rejects a bad config", () => {
    const card = document.createElement("heldar-timeline-card") as HTMLElement & { setConfig(c: unknown): void };
    expect(() => card.setConfig({ type: "custom:heldar-timeline-card", hours: -1 })).toThrow(/hours/);
  });

  it("renders spans, follows live updates, and drives the entities", async () => {
    const { hass, calls, services, push } = fakeHass();
    const card = document.createElement("heldar-timeline-card") as HTMLElement & {
      setConfig(c: unknown): void;
      hass: HomeAssistant;
    };
    card.setConfig({ type: "custom:heldar-timeline-card", cameras: ["sub1"], hours: 1 });
    card.hass = hass;
    document.body.append(card);
    await settle();
    const panels = card.shadowRoot!.querySelectorAll<HeldarCameraTimeline>("heldar-camera-timeline");
    expect(panels).toHaveLength(1);
    await settle();
    const root = panels[0].shadowRoot!;
    expect(calls).toContainEqual({ type: "heldar/subscribe", camera: "sub1" });
    expect(calls.find((c) => c.type === "heldar/timeline")).toMatchObject({ camera: "sub1" });
    expect(root.querySelectorAll(".span")).toHaveLength(1);
    expect(root.querySelector(".state")?.textContent?.trim()).toBe("recording");

    const now = Date.now();
    push({ segment: { start: new Date(now - 10_000).toISOString(), end: new Date(now).toISOString() } });
    push({ event: { id: "e1", start: new Date(now - 5_000).toISOString(), end: null, reason: "Triggered", thumbnail: null } });
    await settle();
    expect(root.querySelectorAll(".span")).toHaveLength(1); // the segment extended the span
    expect(root.querySelector(".event")?.getAttribute("data-id")).toBe("e1");

    root.querySelector<HTMLButtonElement>(".trigger")!.click();
    root.querySelector<HTMLButtonElement>(".recording-switch")!.click();
    expect(services).toEqual([
      ["button", "press", { entity_id: "button.front_door_trigger_recording" }],
      ["switch", "toggle", { entity_id: "switch.front_door_recording" }],
    ]);
    card.remove();
  });
});

describe("the editor", () => {
  it("offers the cameras and reports the ticked ones in their order", async () => {
    const { hass } = fakeHass();
    const editor = document.createElement("heldar-timeline-card-editor") as HTMLElement & {
      setConfig(c: unknown): void;
      hass: HomeAssistant;
    };
    editor.setConfig({ type: "custom:heldar-timeline-card", cameras: ["sub2"] });
    editor.hass = hass;
    document.body.append(editor);
    await settle();
    await settle();
    const changes: unknown[] = [];
    editor.addEventListener("config-changed", (e) => changes.push((e as CustomEvent<{ config: unknown }>).detail.config));
    const boxes = editor.shadowRoot!.querySelectorAll<HTMLInputElement>("input[type=checkbox]");
    expect([...boxes].map((b) => b.checked)).toEqual([false, true]);
    boxes[0].click();
    expect(changes).toEqual([{ type: "custom:heldar-timeline-card", cameras: ["sub1", "sub2"] }]);
    editor.remove();
  });
});

describe("registration", () => {
  it("defines its elements again when the page swaps in a new custom-element registry", async () => {
    // HA's app installs a scoped-registry polyfill that replaces window.customElements.
    const Registry = customElements.constructor as new (window: Window) => CustomElementRegistry;
    const fresh = new Registry(window);
    expect(fresh.get("heldar-timeline-card")).toBeUndefined();
    Object.defineProperty(window, "customElements", { value: fresh, configurable: true, writable: true });
    await new Promise((resolve) => setTimeout(resolve, 150));
    for (const tag of ["heldar-timeline-card", "heldar-timeline-card-editor", "heldar-camera-timeline"]) {
      expect(fresh.get(tag), tag).toBeDefined();
    }
  });
});
