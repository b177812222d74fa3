interface ImportMetaEnv {
  /** The seeded demo tenant's API key; the AppHost sets it in Development only. */
  readonly VITE_DEMO_API_KEY?: string;
}
