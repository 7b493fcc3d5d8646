// The tester JSON API's answers, as the contract with the testers feature states them. Types only:
// nothing of this reaches the browser.

export interface Program {
  name: string;
  /** False when the server sends no mail (no SMTP): sign-in links come from the owner instead. */
  mail_enabled: boolean;
}

export interface TesterMe {
  id: string;
  email: string;
  status: 'active' | 'unverified' | 'inactive';
  joined_at: string | null;
}

/** GET /api/beta/me */
export interface Me {
  tester: TesterMe;
  csrf_token: string;
}

export type Stage = 'alpha' | 'beta' | 'preview';
/** Why a feature is on or off for this tester. */
export type Reason = 'enrolled' | 'rolled_out' | 'not_yet' | 'left';

export interface EarlyFeature {
  name: string;
  title: string;
  description: string;
  stage: Stage;
  enrolled: boolean;
  on: boolean;
  reason: Reason;
}

export interface MyFeedback {
  id: string;
  feature: string | null;
  rating: number;
  comment: string | null;
  created_at: string;
}
