// Serving "until Ctrl-C": resolves on the first SIGINT or SIGTERM. A ref'd timer keeps the
// process alive meanwhile (a memory link or an idle stack holds no handle of its own).

export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => {}, 1 << 30);
    const on = (signal: NodeJS.Signals): void => {
      clearInterval(keepAlive);
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
