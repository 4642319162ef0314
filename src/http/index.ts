export * from './message';
export * from './headers';
export * from './limits';
export * from './head-parser';
export * from './framing';
export * from './body-decoder';
export * from './serializer';
export * from './hop-by-hop';
