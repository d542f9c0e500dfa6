export const consentMigrations: Function[] = [];
