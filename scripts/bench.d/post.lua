-- wrk script: POST the body in WRK_BODY with the content type in WRK_TYPE, as a same-origin
-- browser would; WRK_SCRIPT=1 adds `actum-request: 1` (the JSON mode).
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY")
wrk.headers["Content-Type"] = os.getenv("WRK_TYPE")
wrk.headers["Sec-Fetch-Site"] = "same-origin"
if os.getenv("WRK_SCRIPT") == "1" then
  wrk.headers["actum-request"] = "1"
end
-- WRK_PAGE names the page the call is made from (`actum-page`), for a re-render in the answer.
if os.getenv("WRK_PAGE") and os.getenv("WRK_PAGE") ~= "" then
  wrk.headers["actum-page"] = os.getenv("WRK_PAGE")
end
