export const interactionsMigrations: Function[] = [];
