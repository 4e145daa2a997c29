import { describe, expect, it } from "vitest";
import { entitySuggestion } from "../src/index";
import { CAMERA_MODEL, DEFAULT_HOURS, configForm, selectCameras } from "../src/card";
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

function fakeHass(triggerResult = "started") {
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
      if (message.type === "call_service") {
        const end = new Date(now + 30_000).toISOString();
        return Promise.resolve({
          response: { cameras: [{ camera: "Front door", result: triggerResult, window_end: end }] },
        } as T);
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
  it("is offered in the card picker, with a preview and HA's own editor form", () => {
    const cards = (window as unknown as { customCards: { type: string; preview: boolean }[] }).customCards;
    const entry = cards.find((c) => c.type === "heldar-timeline-card");
    expect(entry?.preview).toBe(true);
    const Card = customElements.get("heldar-timeline-card") as unknown as {
      getConfigForm(): ReturnType<typeof configForm>;
      getStubConfig(): { hours: number };
    };
    const form = Card.getConfigForm();
    expect(form.schema.map((field) => field.name)).toEqual(["cameras", "hours", "title"]);
    // A device picker of Heldar's camera devices (not its hub), several at once.
    expect(form.schema[0].selector).toEqual({
      device: { multiple: true, filter: { integration: "heldar", model: CAMERA_MODEL } },
    });
    expect(form.computeLabel({ name: "cameras" })).toMatch(/Cameras/);
    expect(Card.getStubConfig().hours).toBe(DEFAULT_HOURS);
    expect(DEFAULT_HOURS).toBeLessThanOrEqual(3); // the last hour readable when it opens
  });

  it("is suggested for a Heldar camera's entities in the picker's By entity", () => {
    const hass = {
      entities: {
        "sensor.front_door_recorder_state": { entity_id: "x", platform: "heldar", device_id: "dev1" },
        "sensor.heldar_free_space": { entity_id: "y", platform: "heldar", device_id: "hub" },
        "light.kitchen": { entity_id: "z", platform: "hue", device_id: "lamp" },
      },
      devices: { dev1: { id: "dev1", model: CAMERA_MODEL }, hub: { id: "hub", model: "Recorder hub" } },
    } as unknown as HomeAssistant;
    expect(entitySuggestion(hass, "sensor.front_door_recorder_state")).toEqual({
      config: { type: "custom:heldar-timeline-card", cameras: ["dev1"] },
    });
    expect(entitySuggestion(hass, "sensor.heldar_free_space")).toBeNull();
    expect(entitySuggestion(hass, "light.kitchen")).toBeNull();
  });

  it("picks the configured cameras in order, by device or camera id, or all", () => {
    const all = [CAMERA, { ...CAMERA, camera: "sub2", device_id: "dev2" }];
    expect(selectCameras(all, ["sub2", "gone"]).map((c) => c.camera)).toEqual(["sub2"]);
    expect(selectCameras(all, ["dev2", "dev1"]).map((c) => c.camera)).toEqual(["sub2", "sub1"]);
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

    root.querySelector<HTMLButtonElement>(".recording-switch")!.click();
    expect(services).toEqual([["switch", "toggle", { entity_id: "switch.front_door_recording" }]]);
    // Trigger calls heldar.trigger for the camera's device and says what it did.
    root.querySelector<HTMLButtonElement>(".trigger")!.click();
    await settle();
    expect(calls.find((c) => c.type === "call_service")).toMatchObject({
      domain: "heldar",
      service: "trigger",
      target: { device_id: "dev1" },
      return_response: true,
    });
    expect(root.querySelector(".notice")?.textContent).toMatch(/^Front door: started an event recording \(until /);
    card.remove();
  });

  it("says why Trigger does nothing on a continuous camera", async () => {
    const { hass } = fakeHass();
    hass.states["button.front_door_trigger_recording"] = {
      entity_id: "button.front_door_trigger_recording",
      state: "unavailable",
      attributes: {},
    };
    hass.states["sensor.front_door_recorder_state"]!.attributes = { mode: "continuous", triggers: "already_continuous" };
    const root = await mount(hass);
    const trigger = root.querySelector<HTMLButtonElement>(".trigger")!;
    expect(trigger.disabled).toBe(true);
    expect(trigger.title).toBe("already recording continuously");
  });
});

async function mount(hass: HomeAssistant, camera: Record<string, unknown> = {}): Promise<ShadowRoot> {
  const panel = document.createElement("heldar-camera-timeline") as HeldarCameraTimeline;
  panel.hass = hass;
  panel.camera = { ...CAMERA, ...camera };
  panel.timeZone = "Europe/Berlin";
  document.body.append(panel);
  await settle();
  await settle();
  return panel.shadowRoot!;
}

function withEvents(hass: HomeAssistant): HomeAssistant {
  const now = Date.now();
  const at = (seconds: number) => new Date(now - seconds * 1000).toISOString();
  const plain = hass.callWS.bind(hass);
  hass.callWS = <T,>(message: Record<string, unknown>): Promise<T> =>
    message.type === "heldar/timeline"
      ? Promise.resolve({
          spans: [{ start: at(900), end: at(10) }],
          gaps: [],
          events: [
            { id: "a", start: at(800), end: at(790), reason: "Motion", thumbnail: null },
            { id: "b", start: at(300), end: at(290), reason: "Doorbell", thumbnail: null },
          ],
          now: new Date(now).toISOString(),
        } as T)
      : plain<T>(message);
  return hass;
}

const pointer = (type: string) => new PointerEvent(type, { pointerType: "mouse", bubbles: true });

describe("the event pop-up", () => {
  it("stays open while the pointer moves from the bar onto it, and closes after", async () => {
    const root = await mount(withEvents(fakeHass().hass));
    const bar = root.querySelector<HTMLElement>('.event[data-id="b"]')!;
    bar.dispatchEvent(pointer("pointerenter"));
    await settle();
    expect(root.querySelector(".popup")).not.toBeNull();
    bar.dispatchEvent(pointer("pointerleave"));
    await settle(); // the pointer crosses the few pixels between bar and pop-up
    const popup = root.querySelector<HTMLElement>(".popup")!;
    popup.dispatchEvent(pointer("pointerenter"));
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(root.querySelector(".popup .play-event")).not.toBeNull();
    popup.dispatchEvent(pointer("pointerleave"));
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(root.querySelector(".popup")).toBeNull();
  });

  it("opens on a click or tap and stays open when the bar is clicked again", async () => {
    const root = await mount(withEvents(fakeHass().hass));
    const bar = root.querySelector<HTMLElement>('.event[data-id="a"]')!;
    bar.click();
    await settle();
    bar.click();
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(root.querySelector(".popup")?.getAttribute("aria-label")).toBe("Motion");
    root.querySelector<HTMLButtonElement>(".close-popup")!.click();
    await settle();
    expect(root.querySelector(".popup")).toBeNull();
  });

  it("is reached with the keyboard: arrows move between events, Enter plays", async () => {
    const { hass, calls } = fakeHass();
    const root = await mount(withEvents(hass));
    const strip = root.querySelector<HTMLElement>(".events")!;
    const key = (name: string) => strip.dispatchEvent(new KeyboardEvent("keydown", { key: name, bubbles: true }));
    expect([...root.querySelectorAll(".event")].map((e) => e.getAttribute("tabindex"))).toEqual(["-1", "0"]);
    key("ArrowLeft"); // from the newest, one back
    await settle();
    expect(root.querySelector(".popup")?.getAttribute("aria-label")).toBe("Motion");
    key("ArrowRight");
    await settle();
    expect(root.querySelector(".popup")?.getAttribute("aria-label")).toBe("Doorbell");
    key("Enter");
    await settle();
    const asked = calls.filter((c) => c.type === "heldar/playlist").at(-1);
    expect(Date.parse(String(asked?.start))).toBeGreaterThan(Date.now() - 301_000);
    expect(root.querySelector(".popup")).toBeNull();
  });
});

describe("the live picture", () => {
  it("shows Home Assistant's translated placeholder when the camera's picture does not load", async () => {
    const { hass } = fakeHass();
    hass.states["camera.front_door"] = {
      entity_id: "camera.front_door",
      state: "idle",
      attributes: { entity_picture: "/api/camera_proxy/camera.front_door?token=t" },
    };
    hass.localize = (key: string) => (key === "ui.card.camera.not_available" ? "Bild nicht verfügbar" : "");
    const fetched: string[] = [];
    const real = globalThis.fetch;
    globalThis.fetch = ((url: string) => {
      fetched.push(url);
      return Promise.resolve(new Response("", { status: 500 }));
    }) as typeof fetch;
    try {
      const root = await mount(hass, { entities: { ...CAMERA.entities, camera: "camera.front_door" } });
      await settle();
      expect(fetched).toEqual(["/api/camera_proxy/camera.front_door?token=t"]);
      expect(root.querySelector(".placeholder")?.textContent).toBe("Bild nicht verfügbar");
      expect(root.querySelector(".badge")).toBeNull(); // not labelled "Live"
    } finally {
      globalThis.fetch = real;
    }
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
    for (const tag of ["heldar-timeline-card", "heldar-camera-timeline"]) {
      expect(fresh.get(tag), tag).toBeDefined();
    }
  });
});
