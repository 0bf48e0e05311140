/** `npm run bench:schema`: the schema profile of `npm run bench`, alone. */
import { runSchemaProfile } from './schema.ts';

await runSchemaProfile();
