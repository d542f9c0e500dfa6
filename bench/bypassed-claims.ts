/** The header the bypassed subgraphs take their claims from, in plain JSON (bench/bypassed-stack.ts). */
export const CLAIMS_HEADER = 'x-bench-claims';
