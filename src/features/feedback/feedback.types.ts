// The shapes feedback is stored and read in, shared by the repository, the service and the routes.
import type { Selectable } from 'kysely';
import type { Position } from '../../core/cursor.js';
import type { BetaFeedbackTable } from '../../db/schema.js';

export type FeedbackRow = Selectable<BetaFeedbackTable>;

export interface NewFeedback {
  user_id: string | null;
  email: string | null;
  rating: number;
  feature: string | null;
  comment: string | null;
  /** The metadata object as JSON text (serialised once, where its size is checked). */
  metadataJson: string | null;
  /** The variants object as JSON text, or null. */
  variantsJson: string | null;
}

/** One UTC day's count of one rating for one feature ('' for none). */
export interface AggregateRow {
  day: string;
  feature: string;
  rating: number;
  count: number;
}

export interface FeedbackFilter {
  rating?: number;
  feature?: string;
  from?: Date;
  to?: Date;
  userId?: string;
  q?: string;
  before?: Position;
  limit: number;
}
