import { dropDatabase } from './postgres.mjs';

export default async function globalTeardown() {
  const state = globalThis.__seatgateTest;
  if (!state) return;
  await dropDatabase(state.adminUrl, state.name);
  await state.embedded?.stop();
}
