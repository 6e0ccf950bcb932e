/**
 * User agents of programs rather than people (search engines, crawlers, monitors, scripts, the
 * platform's own inspector): left out of what the platform counts about its visitors.
 */
const ROBOT_AGENT =
  /bot|spider|crawl|slurp|headless|lighthouse|monitor|curl|wget|python-requests|go-http-client/i;

export function isRobotAgent(userAgent: string): boolean {
  return ROBOT_AGENT.test(userAgent);
}
