export const identityMigrations: Function[] = [];
