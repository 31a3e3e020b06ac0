/** The wire formats (DESIGN.md "Tensor messages"): tensor codec, chunking, JSON; one import for users. */
export * from './json.ts';
export * from './messages.ts';
export * from './elements.ts';
export * from './tensor-codec.ts';
export * from './chunks.ts';
export * from './chunk-assembler.ts';
