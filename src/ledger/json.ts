/** JSON values as the ledger stores them in jsonb columns (session state, task details, evidence). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
