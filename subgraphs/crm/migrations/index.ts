export const crmMigrations: Function[] = [];
