import { screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';

// Without the pointer-events check, which reads computed styles of every ancestor, user-event is fast in jsdom.
export const user = userEvent.setup({ pointerEventsCheck: PointerEventsCheckLevel.Never });

// Options are found by their text rather than by role and name: computing accessible names reads computed styles,
// which takes seconds per query in jsdom with @grafana/ui's stylesheets.
export function findOption(text: string): Promise<HTMLElement> {
  return waitFor(() => {
    const option = screen.getAllByRole('option').find((o) => within(o).queryByText(text) !== null);
    if (!option) {
      throw new Error(`no option ${text}`);
    }
    return option;
  });
}

// pick opens the combobox labelled `field` and chooses `option`.
export async function pick(field: string | RegExp, option: string) {
  await user.click(screen.getByLabelText(field));
  await user.click(await findOption(option));
}
