// actum client script: being written (see the Browser issue).
export {};
